-- Proxy votes (volmacht, lab.members): a member may hold the proxy of one other member, who then votes through
-- them. Kept on the holder's row; a member gives at most one proxy (the unique index), and holds at most one.
ALTER TABLE members ADD COLUMN proxy_of INTEGER REFERENCES members (id);
CREATE UNIQUE INDEX members_proxy_of ON members (proxy_of) WHERE proxy_of IS NOT NULL;
