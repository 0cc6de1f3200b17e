-- booking_slots (0006) built every slot as a row; the selectors read booking_slot_runs
-- (0013) instead, for slots and for the first free slot alike. Nothing calls it now.
DROP FUNCTION IF EXISTS booking_slots(bigint[], tstzrange, timestamptz, interval, interval,
                                      text, integer, bigint);
