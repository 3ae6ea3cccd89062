<#
pool.ps1: pcdr's pool command (docs/pool-command.md) for a real Skype for
Business Server 2015 Persistent Chat pool. It runs on a Skype for Business
server, in Windows PowerShell with the Skype for Business Server
Management Shell (the SkypeForBusiness module), and maps pcdr's three verbs
onto the Persistent Chat cmdlets:

  pool.ps1 [-Pool IDENTITY] get
      {"state":"Normal","activeServers":["pc1.dc1.litwareinc.com",...]}
  pool.ps1 [-Pool IDENTITY] set-state Normal|FailedOver
      Set-CsPersistentChatState -Identity IDENTITY -PoolState STATE -Force
  pool.ps1 [-Pool IDENTITY] set-active-servers [FQDN...]
      Set-CsPersistentChatActiveServer: the list becomes exactly the FQDNs
      given; none clears it (the fence)

Exit status 0 when done; 1 with one line "pool.ps1: ..." on stderr when a
cmdlet fails or an answer cannot be trusted; 2 for a usage error. pcdr
verifies every change with a fresh `get`, and the fence also with
mgc.dbo.tblServerIdentity on the authority.

HOW PCDR RUNS IT. pcdr runs on Linux and spawns its pool command from an
argument vector, appending the verb. The SkypeForBusiness module exists
only on a Skype for Business server, so the usual way is OpenSSH (key
authentication for a dedicated account, the server's host key in the pcdr
user's known_hosts; no password anywhere) to a front end, in the host
configuration (/etc/pcdr/config.yaml, see docs/config.md):

  pools:
    atl-pchat:
      command: [ssh, -T, -o, BatchMode=yes, pcdr@fe01.litwareinc.com,
                powershell.exe, -NoProfile, -NonInteractive, -ExecutionPolicy,
                RemoteSigned, -File, 'C:\pcdr\pool.ps1',
                -Pool, 'service:atl-cs-001.litwareinc.com']
      timeout: 2m

ssh does not forward pcdr's PCDR_POOL environment variable, hence -Pool
(when the script is started with PCDR_POOL set, as pcdr does for a local
command, -Pool may be left out). Every argument pcdr appends is a state
name or a host name it has already checked, so ssh's joining of the
arguments into one remote command line cannot change their meaning. The
account needs the Skype for Business RBAC role that may run the
Set-CsPersistentChat* cmdlets (CsAdministrator or CsServerAdministrator)
and write access to the state folder below.

HOW THE ACTIVE SERVER LIST IS READ. Skype for Business has no documented
cmdlet that lists the active servers: Get-CsPersistentChatState returns the
pool state only, and Get-CsPersistentChatActiveServer is not in Microsoft's
documentation. This script therefore:
  1. uses Get-CsPersistentChatActiveServer when the shell has it (an
     undocumented or later cmdlet); its answer must carry an ActiveServers
     list or be a list of FQDNs, anything else is an error, not a guess;
  2. otherwise returns the list this script itself set last, which it
     records after every successful set-active-servers in a state file,
     -StateDir (default %ProgramData%\pcdr), named after the pool identity.
The state file is only as true as the last change made through it: a list
changed by hand in the Management Shell is not seen by `get`. pcdr does not
rely on it alone: it reads mgc.dbo.tblServerIdentity on the authority (the
servers that really pinged the chat database recently) and says so in the
plan when servers still connect while the list is supposed to be empty.
Run every call on the same server (or point -StateDir at one share), and
after a change by hand, record the real list once with
  pool.ps1 -Pool IDENTITY record-active-servers FQDN...
which writes the state file without calling any cmdlet. With no state
file and no Get cmdlet, `get` fails rather than claim a list it does not
know (pcdr then blocks the pool steps and says why).

Tested against the argv contract only: this repository's CI has no Skype
for Business server (the lab's `pcdr-lab pool` is the same contract).
#>
[CmdletBinding()]
param(
	[string] $Pool = $env:PCDR_POOL,
	[string] $StateDir = $(if ($env:ProgramData) { Join-Path $env:ProgramData 'pcdr' } else { '/var/lib/pcdr' }),
	[Parameter(Position = 0)] [string] $Verb,
	[Parameter(Position = 1, ValueFromRemainingArguments = $true)] [string[]] $Rest = @()
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Exit-Usage([string] $Message) {
	[Console]::Error.WriteLine("pool.ps1: $Message")
	[Console]::Error.WriteLine('usage: pool.ps1 [-Pool IDENTITY] [-StateDir DIR] get | set-state Normal|FailedOver | set-active-servers [FQDN...]')
	exit 2
}

# The same rule pcdr applies (docs/pool-command.md): a host name, at most 253 characters.
function Test-Fqdn([string] $Name) {
	return $Name.Length -le 253 -and
		$Name -match '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
}

function Import-Skype {
	if (Get-Command Get-CsPersistentChatState -ErrorAction SilentlyContinue) { return }
	if (-not (Get-Module -ListAvailable SkypeForBusiness)) {
		throw 'the SkypeForBusiness module is not available here: run pool.ps1 on a Skype for Business server (Management Shell installed)'
	}
	Import-Module SkypeForBusiness -Verbose:$false | Out-Null
}

function Get-StateFile {
	$safe = $Pool -replace '[^A-Za-z0-9.-]', '_'
	return Join-Path $StateDir "$safe.active-servers.json"
}

# Write the list pcdr last asked for, atomically (a temporary file, then a rename).
function Save-ActiveServers([string[]] $Servers) {
	if (-not (Test-Path -LiteralPath $StateDir)) {
		New-Item -ItemType Directory -Path $StateDir -Force | Out-Null
	}
	$file = Get-StateFile
	$tmp = "$file.tmp"
	ConvertTo-Json -InputObject @($Servers) -Compress | Set-Content -LiteralPath $tmp -Encoding ASCII
	Move-Item -LiteralPath $tmp -Destination $file -Force
}

function Read-SavedActiveServers {
	$file = Get-StateFile
	if (-not (Test-Path -LiteralPath $file)) {
		throw "active servers of '$Pool' unknown: no Get cmdlet lists them and no state file '$file' exists yet (see 'record-active-servers' in this script's header)"
	}
	# Windows PowerShell 5.1 does not enumerate a JSON array: pipe it once more
	$parsed = ConvertFrom-Json -InputObject (Get-Content -LiteralPath $file -Raw)
	$list = @($parsed | ForEach-Object { $_ })
	foreach ($s in $list) {
		if (-not ($s -is [string]) -or -not (Test-Fqdn $s)) {
			throw "state file '$file' holds something that is not a server FQDN"
		}
	}
	return $list # enumerated: callers collect it with @()
}

function Get-ActiveServerList {
	$cmd = Get-Command Get-CsPersistentChatActiveServer -ErrorAction SilentlyContinue
	if (-not $cmd) { return Read-SavedActiveServers }
	$answer = @(& $cmd -Identity $Pool)
	$list = @()
	foreach ($item in $answer) {
		if ($item -is [string]) { $list += $item; continue }
		$prop = $item.PSObject.Properties['ActiveServers']
		if (-not $prop) { throw "Get-CsPersistentChatActiveServer answered an object without ActiveServers" }
		$list += @($prop.Value | ForEach-Object { "$_" })
	}
	foreach ($s in $list) {
		if (-not (Test-Fqdn $s)) { throw "Get-CsPersistentChatActiveServer answered '$s', not a server FQDN" }
	}
	return $list # enumerated: callers collect it with @()
}

function Invoke-Get {
	$states = @(Get-CsPersistentChatState -Identity $Pool)
	if ($states.Count -ne 1) {
		throw "Get-CsPersistentChatState -Identity '$Pool' returned $($states.Count) pools, expected one"
	}
	$state = "$($states[0].PoolState)"
	if ($state -cne 'Normal' -and $state -cne 'FailedOver') {
		throw "pool '$Pool' is in state '$state', neither Normal nor FailedOver"
	}
	$answer = [ordered]@{ state = $state; activeServers = @(Get-ActiveServerList) }
	ConvertTo-Json -InputObject $answer -Compress
}

function Invoke-SetState([string[]] $Arguments) {
	if ($Arguments.Count -ne 1 -or ($Arguments[0] -cne 'Normal' -and $Arguments[0] -cne 'FailedOver')) {
		Exit-Usage 'set-state takes one argument: Normal or FailedOver'
	}
	Set-CsPersistentChatState -Identity $Pool -PoolState $Arguments[0] -Force -Confirm:$false
}

# Clear, then add: the list is never a mix of the old and the new one, and
# between the two calls it is empty (fenced), the safe side for a failover.
function Invoke-SetActiveServers([string[]] $Servers) {
	foreach ($s in $Servers) {
		if (-not (Test-Fqdn $s)) { Exit-Usage "'$s' is not a server FQDN" }
	}
	Set-CsPersistentChatActiveServer -Identity $Pool -ActiveServers $null -Force -Confirm:$false
	Save-ActiveServers @()
	if ($Servers.Count -gt 0) {
		Set-CsPersistentChatActiveServer -Identity $Pool -ActiveServers @{ Add = $Servers } -Force -Confirm:$false
		Save-ActiveServers $Servers
	}
}

if (-not $Pool) { Exit-Usage 'no pool identity: pass -Pool or set PCDR_POOL' }
$Rest = @($Rest | Where-Object { $_ -ne '' })
try {
	switch -CaseSensitive ($Verb) {
		'get' {
			if ($Rest.Count -ne 0) { Exit-Usage 'get takes no argument' }
			Import-Skype
			Invoke-Get
		}
		'set-state' { Import-Skype; Invoke-SetState $Rest }
		'set-active-servers' { Import-Skype; Invoke-SetActiveServers $Rest }
		'record-active-servers' {
			foreach ($s in $Rest) { if (-not (Test-Fqdn $s)) { Exit-Usage "'$s' is not a server FQDN" } }
			Save-ActiveServers $Rest
		}
		default { Exit-Usage "unknown verb '$Verb'" }
	}
} catch {
	$message = "$($_.Exception.Message)" -replace '\s+', ' '
	[Console]::Error.WriteLine("pool.ps1: $Verb failed for '$Pool': $message")
	exit 1
}
exit 0
