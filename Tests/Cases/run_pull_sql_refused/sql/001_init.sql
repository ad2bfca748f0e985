-- the team's first migration
CREATE TABLE teams (id bigint PRIMARY KEY);
