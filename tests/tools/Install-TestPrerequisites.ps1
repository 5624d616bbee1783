<#
.SYNOPSIS
Installs what the Pester tests need, into the repository, idempotently.

.DESCRIPTION
- Pester 6.2.0 and AWSSDK.Core 3.7.402 from NuGet (PackageDownload restore of TestTools.csproj), copied to
  <OutputPath>/Pester and <OutputPath>/AWSSDK.Core.3.7.
- s3rver and node-sql-parser (npm, tests/tools/node/package.json) into tests/tools/node/node_modules; installs Debian
  nodejs/npm first when missing and root.
- Debian chromium when /usr/bin/chromium is missing and root (HTML report tests).
Each step is skipped when already done.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$OutputPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true

$isRoot = $IsLinux -and (& id -u) -eq '0'
$hasApt = [bool](Get-Command apt-get -ErrorAction Ignore)
$script:aptUpdated = $false
function Install-DebianPackage([string[]]$Name) {
    if (-not ($isRoot -and $hasApt)) { throw "Missing $($Name -join ', '): install them (apt-get install $($Name -join ' '))." }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    if (-not $script:aptUpdated) { apt-get update -q | Out-Host; $script:aptUpdated = $true }
    apt-get install -y -q --no-install-recommends @Name | Out-Host
}

# NuGet tools
$pesterOut = Join-Path $OutputPath 'Pester'
$awsOut = Join-Path $OutputPath 'AWSSDK.Core.3.7'
if (-not (Test-Path (Join-Path $pesterOut 'Pester.psd1')) -or -not (Test-Path (Join-Path $awsOut 'AWSSDK.Core.dll'))) {
    $packages = Join-Path $OutputPath 'nuget'
    dotnet restore (Join-Path $PSScriptRoot 'TestTools/TestTools.csproj') --packages $packages --nologo -v:quiet | Out-Host
    # Pester's NuGet package holds the module under tools/.
    $null = New-Item -ItemType Directory -Force -Path $pesterOut, $awsOut
    Copy-Item -Path (Join-Path $packages 'pester/6.2.0/tools/*') -Destination $pesterOut -Recurse -Force
    Copy-Item -Path (Join-Path $packages 'awssdk.core/3.7.402/lib/net8.0/AWSSDK.Core.dll') -Destination $awsOut -Force
}
Write-Host "Pester: $pesterOut"

# Node and s3rver
$nodeDir = Join-Path $PSScriptRoot 'node'
if (-not (Get-Command node -ErrorAction Ignore) -or -not (Get-Command npm -ErrorAction Ignore)) {
    Install-DebianPackage nodejs, npm
}
$npmPackages = @((Get-Content -Raw (Join-Path $nodeDir 'package.json') | ConvertFrom-Json).dependencies.PSObject.Properties.Name)
if ($npmPackages | Where-Object { -not (Test-Path (Join-Path $nodeDir "node_modules/$_/package.json")) }) {
    Push-Location $nodeDir
    try { npm install --no-audit --no-fund --loglevel=error | Out-Host } finally { Pop-Location }
}
Write-Host "npm ($($npmPackages -join ', ')): $(Join-Path $nodeDir 'node_modules')"

# Chromium
if ($IsLinux -and -not (Test-Path /usr/bin/chromium)) {
    Install-DebianPackage chromium
}
