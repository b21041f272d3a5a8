-- A room has a language: the language of its deck's text, and of the projector's interface (a laptop whose
-- browser speaks English shows a Dutch deck with Dutch words around it).
ALTER TABLE rooms ADD COLUMN lang TEXT NOT NULL DEFAULT 'nl';
