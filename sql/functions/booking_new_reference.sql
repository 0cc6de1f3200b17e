-- booking_new_reference(): a new public booking code such as RB-7K3M9QXP.
-- PostgreSQL >= 13 (gen_random_uuid in core).
-- Eight characters from 31 unambiguous symbols (no 0/O, 1/I/L): about 8.5e11 codes.
-- gen_random_uuid() draws from a strong random source, so codes are not guessable.
CREATE OR REPLACE FUNCTION booking_new_reference() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT 'RB-' || string_agg(
        substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
               get_byte(uuid_send(gen_random_uuid()), 0) % 31 + 1, 1), '')
    FROM generate_series(1, 8)
$$;
