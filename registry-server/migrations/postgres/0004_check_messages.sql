-- Automated check messages in any language: the message's code and its arguments (JSON array of
-- strings) beside the English text. Checks recorded before have an empty code.
ALTER TABLE automated_checks ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE automated_checks ADD COLUMN args TEXT NOT NULL DEFAULT '[]';
