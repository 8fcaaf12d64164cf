# make        builds the sector exercise (the sector/ workspace and the host-libc/ one it
#             uses) with its own build script, `npm run build -w @unikv/sector`: tsc -b,
#             type-checking its sources, benchmark and tests; a type error fails make
# make clean  removes what make made (sector/dist, host-libc/dist)
#
# The sector service (docs/sector-service.md) runs from here:
#   make && dd if=/dev/urandom of=disk1.img bs=1M count=16 && ./bin/service start
#   ./bin/client 4 1000 && ./bin/service stop
#   ./bin/tool_for_integrity disk1.img sectors.PID read.PID
#
# The VMM is built by `npm run build`, which builds the exercise too.

LAUNCHERS := bin/service bin/client bin/tool_for_integrity

.PHONY: all clean

all: node_modules/.package-lock.json
	npm run -s build -w @unikv/sector
	chmod +x $(LAUNCHERS)

node_modules/.package-lock.json: package-lock.json
	test -d node_modules || npm ci

clean:
	rm -rf sector/dist host-libc/dist bench-kit/dist
