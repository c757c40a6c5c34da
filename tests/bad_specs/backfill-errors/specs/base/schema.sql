-- A minimal base schema for this case.
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL,
  social_links jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE legacy_notes (
  note text
);
