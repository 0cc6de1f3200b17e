DROP FUNCTION IF EXISTS booking_new_reference();
