CREATE TABLE users (
  id uuid PRIMARY KEY,
  location point
);
