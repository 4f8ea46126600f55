# syntax=docker/dockerfile:1
# Build: docker build -t wangjian-credit .
# Run:   docker run -p 5080:5080 -p 5081:5081 -v wj-data:/data wangjian-credit   (gRPC, REST/JSON)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so the package layer is cached across code changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/WangJian.Credit.Domain/WangJian.Credit.Domain.csproj src/WangJian.Credit.Domain/
COPY src/WangJian.Credit.Abstractions/WangJian.Credit.Abstractions.csproj src/WangJian.Credit.Abstractions/
COPY src/WangJian.Credit.Grains/WangJian.Credit.Grains.csproj src/WangJian.Credit.Grains/
COPY src/WangJian.Credit.Server/WangJian.Credit.Server.csproj src/WangJian.Credit.Server/
COPY rules/WangJian.Credit.Rules/WangJian.Credit.Rules.csproj rules/WangJian.Credit.Rules/
RUN dotnet restore src/WangJian.Credit.Server/WangJian.Credit.Server.csproj
COPY protos/ protos/
COPY rules/ rules/
COPY src/ src/
RUN dotnet publish src/WangJian.Credit.Server/WangJian.Credit.Server.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# PDF credit reports are set in WenQuanYi Zen Hei: TrueType outlines that PDFsharp can embed (Noto CJK is CFF).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data && chown app:app /data
USER app
ENV Urls=http://0.0.0.0:5080 \
    Http__Urls=http://0.0.0.0:5081 \
    Storage__DataDir=/data \
    DOTNET_gcServer=1
VOLUME ["/data"]
EXPOSE 5080 5081
ENTRYPOINT ["dotnet", "WangJian.Credit.Server.dll"]
