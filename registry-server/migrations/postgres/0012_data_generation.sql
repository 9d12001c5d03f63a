-- mxcert-registry schema v12 (postgres): the data generation (issue 18).
-- Keep in step with ../sqlite/0012_data_generation.sql.
--
-- One number that every change of what a device answer is made of raises, in the changing
-- transaction: the device index (device_stats, device_systems, device_drivers), the certified
-- systems (public_systems) and community reports. A registry instance caches device answers in
-- memory and polls this number (see src/store/generation.rs) to learn of changes made by another
-- process on the same database. Statement-level triggers: one raise per statement.
CREATE TABLE data_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);

CREATE FUNCTION raise_data_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER device_stats_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_stats
    FOR EACH STATEMENT EXECUTE FUNCTION raise_data_generation();
CREATE TRIGGER device_systems_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_systems
    FOR EACH STATEMENT EXECUTE FUNCTION raise_data_generation();
CREATE TRIGGER device_drivers_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_drivers
    FOR EACH STATEMENT EXECUTE FUNCTION raise_data_generation();
CREATE TRIGGER public_systems_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public_systems
    FOR EACH STATEMENT EXECUTE FUNCTION raise_data_generation();
-- A report's devices are written with the report: the report rows alone are enough.
CREATE TRIGGER community_reports_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON community_reports
    FOR EACH STATEMENT EXECUTE FUNCTION raise_data_generation();
