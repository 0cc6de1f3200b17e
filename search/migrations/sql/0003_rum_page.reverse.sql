-- Undoes 0003_rum_page.sql.
DROP FUNCTION IF EXISTS search_rum_page(tsquery, integer, bigint[], bigint[], text[], bigint[],
                                        integer, timestamptz, numeric, text, tsquery);
