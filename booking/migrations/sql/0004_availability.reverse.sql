DROP FUNCTION IF EXISTS booking_occupancy(bigint[], tstzrange, timestamptz, date[], integer);
DROP FUNCTION IF EXISTS booking_list_free(bigint[], tstzrange, timestamptz, integer);
DROP FUNCTION IF EXISTS booking_slots(bigint[], tstzrange, timestamptz, interval, interval, text,
                                      integer, bigint);
DROP FUNCTION IF EXISTS booking_free_periods(bigint[], tstzrange, timestamptz, bigint);
DROP FUNCTION IF EXISTS booking_availability_base(bigint[], tstzrange, timestamptz, bigint);
