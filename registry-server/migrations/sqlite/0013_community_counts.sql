-- mxcert-registry schema v13 (sqlite): per-device community counts kept up to date (issue 18).
-- Keep in step with ../postgres/0013_community_counts.sql.
--
-- How many machines say a device works, or has problems, per distribution release and kernel
-- series, over visible reports: what a device lookup, `/check`, the snapshot and the device
-- lists read, one row per (device, release, kernel series), instead of adding up every report's
-- rows at each request (tens of thousands for a popular chip). Kept by the registry in the same
-- transaction that stores, replaces, deletes or hides a report (src/store/community.rs); rows
-- that fall to zero are removed.
CREATE TABLE community_counts (
    base_identity TEXT NOT NULL,
    release       TEXT NOT NULL,
    kernel_series TEXT NOT NULL,
    works         INTEGER NOT NULL,
    problems      INTEGER NOT NULL,
    PRIMARY KEY (base_identity, release, kernel_series)
);

INSERT INTO community_counts (base_identity, release, kernel_series, works, problems)
SELECT d.base_identity, r.release, r.kernel_series,
       SUM(CASE WHEN d.verdict = 'works' THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.verdict = 'problem' THEN 1 ELSE 0 END)
FROM community_devices d JOIN community_reports r ON r.id = d.report_id
WHERE d.verdict <> 'unconfirmed' AND r.hidden_at IS NULL
GROUP BY d.base_identity, r.release, r.kernel_series;
