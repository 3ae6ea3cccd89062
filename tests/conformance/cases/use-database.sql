-- USE changes the database: an ENVCHANGE and message 5701.
USE mgc;
SELECT DB_NAME() AS db;
