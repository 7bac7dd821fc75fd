# syntax=docker/dockerfile:1
#
# DistillService image: the API and the Hangfire worker in one image.
#
#   docker build -t distill .                                  # CPU (TorchSharp-cpu)
#   docker build -t distill-gpu --build-arg TORCH_DEVICE=cuda .  # CUDA (TorchSharp-cuda-linux)
#
#   API (default command, listens on 8080):
#     docker run -p 8080:8080 -v distill-data:/data distill
#   Worker (same image, other command; run it in /app/worker so that its appsettings.json is the
#   content root):
#     docker run -w /app/worker -v distill-data:/data distill dotnet /app/worker/DistillService.Worker.dll
#
# There is deliberately no ENTRYPOINT, only CMD, so that a different command (the worker) replaces
# the default one instead of being appended to it.
#
# Base images: the .NET 10 tags (sdk:10.0, aspnet:10.0) are Ubuntu 24.04 "Noble" (Microsoft ships
# no Debian images for .NET 10). Noble's libstdc++ (GCC 14) provides GLIBCXX_3.4.32/3.4.33, which
# libLibTorchSharp.so (TorchSharp 0.107.0) needs; build/LibTorchSharpGlibcxx.targets therefore
# leaves the native libraries untouched here (it only patches them on older hosts such as Debian 12).

ARG TORCH_DEVICE=cpu

# ---------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TORCH_DEVICE
WORKDIR /src

# Restore first, from the project and central package management files only, so that the
# (large: libtorch) package layer is reused until a project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props Directory.Build.targets ./
COPY build/ build/
COPY DistillService.sln ./
COPY src/Core/DistillService.Core.csproj src/Core/
COPY src/Api/DistillService.Api.csproj src/Api/
COPY src/Worker/DistillService.Worker.csproj src/Worker/
RUN dotnet restore src/Api/DistillService.Api.csproj -p:TorchDevice=$TORCH_DEVICE \
 && dotnet restore src/Worker/DistillService.Worker.csproj -p:TorchDevice=$TORCH_DEVICE

COPY . .
RUN dotnet publish src/Api/DistillService.Api.csproj -c Release -o /app/api --no-restore -p:TorchDevice=$TORCH_DEVICE \
 && dotnet publish src/Worker/DistillService.Worker.csproj -c Release -o /app/worker --no-restore -p:TorchDevice=$TORCH_DEVICE

# ---------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# curl: for the compose health check (aspnet images have none); libfontconfig1: SkiaSharp's
# native library links against it; fonts-dejavu-core: the text of the PNG charts (the base image
# has no fonts, and SkiaSharp would draw titles, axes and legends blank).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Blob store (datasets, caches, checkpoints, artifacts; SQLite file when Storage__Provider=Sqlite).
# Created and owned by the non-root user before VOLUME so that a fresh named volume inherits it.
RUN mkdir -p /data && chown "$APP_UID" /data

# Keep freed native (libtorch) memory in the process instead of returning it to the OS through
# mmap/munmap and trims; avoids page-fault storms with large tensors being freed every batch.
ENV GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
    Storage__DataRoot=/data \
    Urls=http://+:8080

COPY --from=build /app/api /app/api
COPY --from=build /app/worker /app/worker

VOLUME /data
EXPOSE 8080

# Non-root: "app" (UID $APP_UID = 1654) is predefined in the .NET images.
USER $APP_UID

# The content root is the working directory: /app/api for the API. The worker must be started
# with working directory /app/worker (docker run -w /app/worker ..., compose working_dir).
WORKDIR /app/api
CMD ["dotnet", "/app/api/DistillService.Api.dll"]
