<#
.SYNOPSIS
Runs a script in a fresh pwsh (the one running this script) as a brand-new user whose profile is -HomePath.

.DESCRIPTION
HOME, the XDG folders, LOCALAPPDATA, APPDATA and USERPROFILE point into -HomePath, PSModulePath is unset (the child
computes its default: the new user's module folder, the shared one and $PSHOME/Modules), the working directory is
-HomePath and the BEDROCKCOST_* test variables are removed. PSResourceGet keeps its repository list under the
local application data folder and installs CurrentUser modules under HOME on Linux and macOS, so registering a
repository or installing a module there reads and changes nothing of the caller's profile. (On Windows,
CurrentUser installs go to the Documents folder, which no variable redirects.)

Returns ExitCode, Output (stdout) and Error (stderr).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$HomePath,
    [Parameter(Mandatory)][string]$File,
    [string[]]$ArgumentList = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$null = New-Item -ItemType Directory -Force -Path $HomePath
$HomePath = (Resolve-Path -LiteralPath $HomePath).ProviderPath

# Under `dotnet pwsh` the process is dotnet and pwsh.dll is an argument.
$exe = [Environment]::ProcessPath
$start = [System.Diagnostics.ProcessStartInfo]::new($exe)
if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -ne 'pwsh') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) { $start.ArgumentList.Add($argument) }
$start.UseShellExecute = $false
$start.RedirectStandardOutput = $true
$start.RedirectStandardError = $true
$start.WorkingDirectory = $HomePath

$environment = $start.Environment
$environment['HOME'] = $HomePath
$environment['USERPROFILE'] = $HomePath
$environment['XDG_DATA_HOME'] = Join-Path $HomePath '.local/share'
$environment['XDG_CONFIG_HOME'] = Join-Path $HomePath '.config'
$environment['XDG_CACHE_HOME'] = Join-Path $HomePath '.cache'
$environment['LOCALAPPDATA'] = Join-Path $HomePath 'AppData/Local'
$environment['APPDATA'] = Join-Path $HomePath 'AppData/Roaming'
foreach ($name in @($environment.Keys | Where-Object { $_ -eq 'PSModulePath' -or $_ -like 'BEDROCKCOST_*' })) { $null = $environment.Remove($name) }
# As a real profile has them: .NET reports a missing data folder as '' and PSResourceGet would then keep its
# repository list in the working directory.
foreach ($name in 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'LOCALAPPDATA', 'APPDATA') { $null = New-Item -ItemType Directory -Force -Path $environment[$name] }

$process = [System.Diagnostics.Process]::Start($start)
try {
    # Both pipes are drained concurrently, or a child filling one would wait forever.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.GetAwaiter().GetResult(); Error = $stderr.GetAwaiter().GetResult() }
}
finally {
    $process.Dispose()
}
