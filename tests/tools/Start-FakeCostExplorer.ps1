<#
.SYNOPSIS
Builds tests/tools/BedrockCost.FakeCostExplorer (a local Cost Explorer endpoint speaking JSON 1.1 and checking
SigV4) into -BuildPath unless it is there already, starts it on a free 127.0.0.1 port, and returns an object with
Url, AccessKey, SecretKey, Process and a Stop() method.

.EXAMPLE
$ce = & tests/tools/Start-FakeCostExplorer.ps1 -PageSize 2 -ThrottleFirst 1; try { ... $ce.Url ... } finally { $ce.Stop() }
#>
[CmdletBinding()]
param(
    # Where the fake is built; callers that start it several times pass the same folder and remove it at the end.
    [Parameter(Mandatory)][string]$BuildPath,
    [int]$PageSize = 2,
    [int]$ThrottleFirst = 1
)
$ErrorActionPreference = 'Stop'

$dll = Join-Path $BuildPath 'BedrockCost.FakeCostExplorer.dll'
if (-not (Test-Path -LiteralPath $dll)) {
    $build = & dotnet build (Join-Path $PSScriptRoot 'BedrockCost.FakeCostExplorer') -c Release -o $BuildPath --nologo -v q 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building the fake Cost Explorer failed: $($build -join "`n")" }
}

$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in $dll, '--page-size', "$PageSize", '--throttle-first', "$ThrottleFirst") { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardInput = $true
$psi.RedirectStandardOutput = $true
$psi.UseShellExecute = $false
$process = [System.Diagnostics.Process]::Start($psi)
$line = $process.StandardOutput.ReadLine()
if ($line -notmatch '^listening (\S+)$') { $process.Kill(); throw "Fake Cost Explorer did not start: $line" }

$server = [pscustomobject]@{
    Url       = $Matches[1].TrimEnd('/')
    # The fake's default key pair (FakeCostExplorer.DefaultAccessKey / DefaultSecretKey).
    AccessKey = 'AKIAFAKECE0000000001'
    SecretKey = 'fake/ce/secret+key0000000000000000000000'
    Process   = $process
}
$server | Add-Member -MemberType ScriptMethod -Name Stop -Value {
    # Closing stdin ends the fake.
    if (-not $this.Process.HasExited) { $this.Process.StandardInput.Close(); if (-not $this.Process.WaitForExit(5000)) { $this.Process.Kill() } }
    $this.Process.Dispose()
}
$server
