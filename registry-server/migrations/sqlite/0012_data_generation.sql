-- mxcert-registry schema v12 (sqlite): the data generation (issue 18).
-- Keep in step with ../postgres/0012_data_generation.sql.
--
-- One number that every change of what a device answer is made of raises, in the changing
-- transaction: the device index (device_stats, device_systems, device_drivers), the certified
-- systems (public_systems) and community reports. A registry instance caches device answers in
-- memory and polls this number (see src/store/generation.rs) to learn of changes made by another
-- process on the same database.
CREATE TABLE data_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER device_stats_gen_insert AFTER INSERT ON device_stats
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_stats_gen_update AFTER UPDATE ON device_stats
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_stats_gen_delete AFTER DELETE ON device_stats
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER device_systems_gen_insert AFTER INSERT ON device_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_systems_gen_update AFTER UPDATE ON device_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_systems_gen_delete AFTER DELETE ON device_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER device_drivers_gen_insert AFTER INSERT ON device_drivers
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_drivers_gen_update AFTER UPDATE ON device_drivers
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER device_drivers_gen_delete AFTER DELETE ON device_drivers
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER public_systems_gen_insert AFTER INSERT ON public_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER public_systems_gen_update AFTER UPDATE ON public_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER public_systems_gen_delete AFTER DELETE ON public_systems
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;

-- A report's devices are written with the report: the report rows alone are enough.
CREATE TRIGGER community_reports_gen_insert AFTER INSERT ON community_reports
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER community_reports_gen_update AFTER UPDATE ON community_reports
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER community_reports_gen_delete AFTER DELETE ON community_reports
BEGIN UPDATE data_generation SET generation = generation + 1 WHERE id = 1; END;
