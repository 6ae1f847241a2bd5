SELECT * FROM (
SELECT id, name FROM t -- note
) AS s LIMIT 0
