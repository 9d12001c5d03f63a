-- mxcert-registry schema v6 (SQLite): a text index for `GET /api/v1/systems?q=`. Keep in step with
-- ../postgres/0006_search.sql.
--
-- `q` matches every folded word anywhere in `public_systems.search_text` (a substring, not a
-- token). Without an index each search read all 10,000 `search_text` values, twice (the count, then
-- the page). FTS5's trigram tokenizer indexes every run of three characters, so a word of three or
-- more characters finds its candidate certificates from the index; shorter words still scan. The
-- index is only a filter in front of the `LIKE` the search already applies, so it decides speed,
-- never what matches: every `public_systems` row must be in it with its current text (stale
-- extra rows would only cost time).
--
-- It is derived data kept by triggers, in the transaction that writes `public_systems`. Rows are
-- found by `certificate_id`, which is indexed too (as trigrams) so that a delete (the public index
-- is rebuilt with `DELETE FROM public_systems`) finds its row without reading the whole table;
-- `public_systems` has no INTEGER PRIMARY KEY, so its rowids may change on VACUUM and are not used.
CREATE VIRTUAL TABLE public_systems_search USING fts5(
    certificate_id,
    search_text,
    tokenize = 'trigram'
);

INSERT INTO public_systems_search (certificate_id, search_text)
    SELECT certificate_id, search_text FROM public_systems;

CREATE TRIGGER public_systems_search_insert AFTER INSERT ON public_systems
BEGIN
    INSERT INTO public_systems_search (certificate_id, search_text)
        VALUES (new.certificate_id, new.search_text);
END;

CREATE TRIGGER public_systems_search_delete AFTER DELETE ON public_systems
BEGIN
    DELETE FROM public_systems_search
        WHERE public_systems_search MATCH
                  'certificate_id : "' || replace(old.certificate_id, '"', '""') || '"'
          AND certificate_id = old.certificate_id;
END;

CREATE TRIGGER public_systems_search_update AFTER UPDATE OF certificate_id, search_text
    ON public_systems
BEGIN
    DELETE FROM public_systems_search
        WHERE public_systems_search MATCH
                  'certificate_id : "' || replace(old.certificate_id, '"', '""') || '"'
          AND certificate_id = old.certificate_id;
    INSERT INTO public_systems_search (certificate_id, search_text)
        VALUES (new.certificate_id, new.search_text);
END;
