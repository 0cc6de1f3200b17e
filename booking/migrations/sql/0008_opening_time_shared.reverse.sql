-- Run after 0002_opening_time.sql and 0006_availability_plans.sql have restored the
-- previous bodies of booking_opening_time, booking_closed_time and booking_open_periods.
DROP FUNCTION IF EXISTS booking_closed_periods(bigint[], tstzrange);
DROP FUNCTION IF EXISTS booking_opening_hours(bigint[], tstzrange);
