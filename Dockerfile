# One image for both processes: `agentjob-sync silo` and `agentjob-sync watchhost` (or all-in-one).
# Static binary (FerretDB's SQLite is pure Go), distroless base: no shell, runs as non-root; the
# Deployments add a read-only root file system and a writable /tmp.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api ./api
COPY cmd ./cmd
COPY internal ./internal
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/agentjob-sync ./cmd/agentjob-sync

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/agentjob-sync /agentjob-sync
USER 65532:65532
EXPOSE 8080 8090
ENTRYPOINT ["/agentjob-sync"]
CMD ["silo"]
