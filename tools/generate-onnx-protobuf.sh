#!/usr/bin/env bash
# Regenerates src/Backprop.Onnx/Protobuf/Onnx.g.cs from ONNX's onnx.proto (Debian's python3-onnx 1.12.0 ships it)
# with protoc from the Google.Protobuf.Tools NuGet package. The only change to the .proto is a csharp_namespace line.
#   tools/generate-onnx-protobuf.sh [PATH/TO/onnx.proto]
set -euo pipefail
cd "$(dirname "$0")/.."
source_proto=${1:-/usr/lib/python3/dist-packages/onnx/onnx.proto}
version=3.36.2
protoc=${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.protobuf.tools/$version/tools/linux_x64/protoc
if [ ! -x "$protoc" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="Google.Protobuf.Tools" Version="%s" /></ItemGroup></Project>' "$version" >"$work/p.csproj"
  dotnet restore "$work/p.csproj" -v q >/dev/null
  chmod +x "$protoc"
fi
out=src/Backprop.Onnx/Protobuf
{ sed -n '1,11p' "$source_proto"; echo
  echo '// Added for the C# code generation (tools/generate-onnx-protobuf.sh); nothing else differs from ONNX 1.12.0.'
  echo 'option csharp_namespace = "Backprop.Onnx.Protobuf";'
  sed -n '12,$p' "$source_proto"; } >"$out/onnx.proto"
"$protoc" --proto_path="$out" --csharp_out="$out" --csharp_opt=internal_access,file_extension=.g.cs "$out/onnx.proto"
echo "generated $out/Onnx.g.cs with $("$protoc" --version)"
