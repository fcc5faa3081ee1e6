-- wrk-mixed.lua: a cold-cache load for scripts/bench-http.sh. Its first
-- 77,760 requests (more than a 10 s run at 16 connections sends here) all ask
-- for different URLs, so they miss Portolan's response cache and the whole
-- handler runs. A quarter each: /flows?port=N (N scattered over 1-65535), the
-- same through /api/v1/flows, /flows searching a word (English or Japanese)
-- with a document, protocol, sort order, direction and UI language, and the
-- same searches through the API with a varying limit.
--
--   wrk -t2 -c16 -d10s --latency -s scripts/wrk-mixed.lua http://127.0.0.1:8098

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk-report.lua")

local words = {
   "ldap", "kerberos", "dns", "https", "smb", "rpc", "agent", "server",
   "directory", "replication", "certificate", "gateway", "sql", "database",
   "console", "proxy", "citrix", "connector", "license", "storefront",
   "delivery", "controller", "ica", "session", "print", "syslog", "snmp",
   "ntp", "radius", "web", "browser", "api", "update", "ssl", "tls",
   "authentication", "password", "domain", "catalog", "global", "sync",
   "azure", "graph", "port", "dynamic", "firewall", "notification", "remote",
   "ファイル", "転送", "通信", "サーバー", "エージェント", "配布", "管理",
   "ポート", "通知", "更新", "接続", "リモート",
}
local docs = {"", "citrix", "microsoft", "cayosoft", "lithnet", "endpoint-central"}
local protos = {"", "tcp", "udp"}
local sorts = {"", "port"}
local langs = {"en", "ja", "zh"}
local dirs = {"", "inbound", "outbound"}

local function enc(s)
   return (s:gsub("[^%w%-_.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- pick returns list[n % #list + 1] and n with that digit taken off, so that
-- distinct n give distinct combinations.
local function pick(list, n)
   return list[n % #list + 1], math.floor(n / #list)
end

-- url is the URL of family (0-3) numbered n: distinct (family, n) give
-- distinct URLs.
local function url(family, n)
   if family == 0 or family == 2 then
      -- port lookups: 65535 distinct ports, in a scattered order
      local port = (n * 7919) % 65535 + 1
      if family == 0 then
         return "/flows?port=" .. port
      end
      return "/api/v1/flows?port=" .. port
   end
   local w, d, p, s
   w, n = pick(words, n)
   d, n = pick(docs, n)
   p, n = pick(protos, n)
   s, n = pick(sorts, n)
   local q = "q=" .. enc(w)
   if d ~= "" then q = q .. "&doc=" .. d end
   if p ~= "" then q = q .. "&proto=" .. p end
   if s ~= "" then q = q .. "&sort=" .. s end
   if family == 1 then
      local di, l
      di, n = pick(dirs, n)
      l, n = pick(langs, n)
      if di ~= "" then q = q .. "&dir=" .. di end
      return "/flows?" .. q .. "&lang=" .. l
   end
   return "/api/v1/flows?" .. q .. "&limit=" .. (20 + n % 100)
end

-- setup runs once per thread before any starts: the j-th request of thread k
-- (0-based) of n asks for URL number floor(j/4)*n+k of family j%4, so threads never repeat
-- each other and each sends the same mix. Each call updates n on the threads
-- seen so far.
local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("first", #threads - 1)
   for _, t in ipairs(threads) do
      t:set("stride", #threads)
   end
end

local j = 0
function request()
   local path = url(j % 4, math.floor(j / 4) * (stride or 1) + (first or 0))
   j = j + 1
   return wrk.format("GET", path)
end
