-- mxcert-registry schema v5 (SQLite): indexes for the scale of issue 6 (10,000 certified systems,
-- a million device rows). Keep in step with ../postgres/0005_scale.sql.

-- Nothing reads `submission_devices` by identity any more: per-device questions are answered from
-- the public index of 0002. These two indexes only cost every submission 2 x 300 inserts at random
-- places in two B-trees (and those pages in the WAL).
DROP INDEX submission_devices_identity;
DROP INDEX submission_devices_base;

-- A device's systems in the order the API lists them (best rank, most recently seen, id), so a
-- page of a device that is in thousands of systems reads 20 index entries instead of sorting all.
DROP INDEX device_systems_rank;
CREATE INDEX device_systems_order
    ON device_systems(base_identity, best_rank, last_seen_at DESC, system_id);

-- Searches count their matches and list a page newest first. No index starts with `status`: almost
-- every row is valid, and an index on it looked so selective to the planner that it scanned all
-- certificates in date order to find the few of one model, board or system. The index for the
-- newest-first list holds every column an unfiltered or `q` search tests, so counting reads only
-- the index and a page stops after its rows; the others are in the order the pages are listed.
DROP INDEX public_systems_issued;
CREATE INDEX public_systems_newest
    ON public_systems(issued_at, certificate_id, status, expires_at, search_text);
DROP INDEX public_systems_vendor;
CREATE INDEX public_systems_vendor
    ON public_systems(vendor_key, issued_at, status, expires_at);
DROP INDEX public_systems_category;
CREATE INDEX public_systems_category
    ON public_systems(category, issued_at, status, expires_at);
DROP INDEX public_systems_release;
CREATE INDEX public_systems_release
    ON public_systems(mxos_release, issued_at, status, expires_at);
DROP INDEX public_systems_model;
CREATE INDEX public_systems_model ON public_systems(vendor_key, model_key, issued_at);
DROP INDEX public_systems_family;
CREATE INDEX public_systems_family ON public_systems(vendor_key, family_key, issued_at);
DROP INDEX public_systems_board;
CREATE INDEX public_systems_board ON public_systems(board_key, issued_at);
