-- Run after 0004_availability.sql has restored the previous function bodies.
DROP FUNCTION IF EXISTS booking_open_periods(bigint[], tstzrange);
