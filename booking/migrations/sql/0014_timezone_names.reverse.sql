DROP TABLE IF EXISTS booking_timezone_name;
