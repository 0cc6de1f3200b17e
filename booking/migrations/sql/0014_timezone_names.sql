-- The IANA zone names PostgreSQL knows, copied when this migration ran. The trigger
-- venue_timezone_valid looks a new venue's zone up here first (an index probe) and scans
-- pg_timezone_names (which reads the whole zone directory: 20-50 ms a row) only for a name
-- not found here: a zone added by a later tzdata release, or a wrong one.
CREATE TABLE IF NOT EXISTS booking_timezone_name (name text PRIMARY KEY);
INSERT INTO booking_timezone_name (name)
SELECT name FROM pg_timezone_names
ON CONFLICT DO NOTHING;
