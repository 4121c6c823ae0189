-- wrk script: the public slots endpoint over 30 days (100 existing reservations), asked the way
-- browsers and mobile HTTP clients ask (they all send Accept-Encoding: gzip). Set
-- SLOTS_ENCODING=identity to measure uncompressed answers instead.
dofile(os.getenv("FIXTURE"))
local path = "/api/services/" .. slots_service .. "/creneaux/?from=" .. from .. "&to=" .. to
local encoding = os.getenv("SLOTS_ENCODING") or "gzip, deflate, br"

request = function()
  return wrk.format("GET", path, { ["Accept-Encoding"] = encoding })
end
