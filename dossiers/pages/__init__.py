"""The dossier pages (the "dossiers" namespace, `urls`): `citizen`, `officer` (and head), `exceptions`
(urgent exceptions a head decides), `prints` (files and printables), `public` (tracking by code);
`common` holds what they share (fetching a visible dossier, calling a door and showing its refusal),
`forms` their forms. They change nothing themselves: every change goes through `dossiers.services`."""
