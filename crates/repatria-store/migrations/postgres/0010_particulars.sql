-- The particulars of GC III Art. 122 and Annex IV live in the captive's record; its
-- prisoner number, which the detaining power gives, is copied here so that two captives
-- of one detaining power cannot share it (checked in the writing transaction too, to
-- name the field; this index is the backstop).
ALTER TABLE captives ADD COLUMN prisoner_number TEXT;
CREATE UNIQUE INDEX captives_prisoner_number ON captives (detaining_power, prisoner_number)
    WHERE prisoner_number IS NOT NULL;
