-- RAISERROR severity 10 is informational and reaches the client as
-- severity 0; severity 16 is an error that ends only its statement.
RAISERROR('informational message', 10, 1);
RAISERROR('failure message', 16, 1);
SELECT 1 AS after_error;
