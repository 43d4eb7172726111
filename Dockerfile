# One image, both processes: the silo (default) and the watch host (`command: ["dotnet", "AgentJobSync.WatchHost.dll"]`).
# The same output as `make publish` (.build/publish), which the process tests run.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig AgentJobSync.slnx ./
COPY src/ src/
RUN dotnet publish src/Silo -c Release -o /out \
 && dotnet publish src/WatchHost -c Release -o /out

# Chiseled: no shell, no package manager, non-root (uid 1654) by default; nothing is written outside /tmp.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /out ./
USER 1654
ENV DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet"]
CMD ["AgentJobSync.Silo.dll"]
