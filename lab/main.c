/* pcdr-lab: placeholder until the lab lands (issue 3). */
#include <stdio.h>

int main(void)
{
	fputs("pcdr-lab: not built yet\n", stderr);
	return 1;
}
