# One image, both processes: the silo (default command) and the watch host (args ["AgentJobSync.WatchHost.dll"]); the
# Helm chart (k8s/chart) sets the args of each Deployment. The same output as `make publish` (.build/publish), which the
# process tests and tests/Manifests.Tests run: ~51 MB of assemblies on top of the ASP.NET runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig AgentJobSync.slnx ./
COPY src/ src/
# Exactly `make publish` (its PUBLISH_FLAGS; tests/Manifests.Tests compares them): framework-dependent, no apphost
# (started as `dotnet X.dll`), one folder for both, as they share most assemblies.
RUN dotnet publish src/Silo -c Release -r linux-x64 --self-contained false -p:UseAppHost=false -o /out \
 && dotnet publish src/WatchHost -c Release -r linux-x64 --self-contained false -p:UseAppHost=false -o /out

# Chiseled Ubuntu: no shell, no package manager, non-root user app (uid 1654) by default.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build --chown=0:0 /out ./
USER 1654
# Read-only root filesystem: nothing is written outside /tmp (the chart mounts an emptyDir there). No diagnostics IPC
# socket (it would be created in /tmp), workstation GC (small pods), HOME for anything that wants a profile folder.
ENV DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0 \
    HOME=/tmp \
    TMPDIR=/tmp
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet"]
CMD ["AgentJobSync.Silo.dll"]
