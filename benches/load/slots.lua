-- wrk script: the public slots endpoint over 30 days (100 existing reservations).
dofile(os.getenv("FIXTURE"))
local path = "/api/services/" .. slots_service .. "/creneaux/?from=" .. from .. "&to=" .. to

request = function()
  return wrk.format("GET", path)
end
