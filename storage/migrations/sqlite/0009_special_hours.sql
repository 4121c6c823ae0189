-- Special hours on a date (issue 17): opening hours that replace a weekday's on one local
-- date, as JSON beside the business's weekly hours and closures.
ALTER TABLE businesses ADD COLUMN special_hours TEXT NOT NULL DEFAULT '[]'; -- JSON
