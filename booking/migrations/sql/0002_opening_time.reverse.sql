DROP FUNCTION IF EXISTS booking_opening_time(bigint, tstzrange);
DROP FUNCTION IF EXISTS booking_closed_time(bigint, tstzrange);
