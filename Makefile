# make        builds the project (TypeScript -> dist/) and the sector service's launchers
# make clean  removes what make made
#
# The sector service (docs/sector-service.md) runs from here:
#   make && dd if=/dev/urandom of=disk1.img bs=1M count=16 && ./bin/service start
#   ./bin/client 4 1000 && ./bin/service stop
#   ./bin/tool_for_integrity disk1.img sectors.PID read.PID

LAUNCHERS := bin/service bin/client bin/tool_for_integrity
ENTRY_POINTS := dist/sector/service.js dist/sector/client.js dist/sector/integrity.js

.PHONY: all clean

all: node_modules/.package-lock.json
	@# tsc emits JavaScript even when another part of the tree has type errors; the
	@# build fails only if the sector service's own entry points were not produced.
	npx tsc -p . || { echo "make: tsc reported errors (above)" >&2; for f in $(ENTRY_POINTS); do test -f $$f || exit 1; done; }
	chmod +x $(LAUNCHERS)

node_modules/.package-lock.json: package-lock.json
	test -d node_modules || npm ci

clean:
	rm -rf dist
