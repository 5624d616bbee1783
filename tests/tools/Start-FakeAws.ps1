<#
.SYNOPSIS
Builds a local AWS endpoint of the tests (a project under tests/tools: BedrockCost.FakeAws for Athena and Data Exports,
BedrockCost.FakeCostExplorer) into -BuildPath unless it is there already, starts it with -ArgumentList (it listens on
a free 127.0.0.1 port and says so on its first line), and returns an object with Url, Process and a Stop() method.

.EXAMPLE
$athena = & tests/tools/Start-FakeAws.ps1 -Project BedrockCost.FakeAws -BuildPath $out -ArgumentList athena, '--page-size', 25
try { ... $athena.Url ... } finally { $athena.Stop() }
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][ValidateSet('BedrockCost.FakeAws', 'BedrockCost.FakeCostExplorer')][string]$Project,
    # Where the project is built; callers that start it several times pass the same folder.
    [Parameter(Mandatory)][string]$BuildPath,
    [string[]]$ArgumentList = @()
)
$ErrorActionPreference = 'Stop'

$dll = Join-Path $BuildPath "$Project.dll"
if (-not (Test-Path -LiteralPath $dll)) {
    $build = & dotnet build (Join-Path $PSScriptRoot $Project) -c Release -o $BuildPath --nologo -v q 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building $Project failed: $($build -join "`n")" }
}

$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($dll) + $ArgumentList) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardInput = $true
$psi.RedirectStandardOutput = $true
$psi.UseShellExecute = $false
$process = [System.Diagnostics.Process]::Start($psi)
$line = $process.StandardOutput.ReadLine()
if ($line -notmatch '^listening (\S+)$') { $process.Kill(); throw "$Project $($ArgumentList -join ' ') did not start: $line" }

$server = [pscustomobject]@{ Url = $Matches[1].TrimEnd('/'); Process = $process }
$server | Add-Member -MemberType ScriptMethod -Name Stop -Value {
    # Closing stdin ends the fake.
    if (-not $this.Process.HasExited) { $this.Process.StandardInput.Close(); if (-not $this.Process.WaitForExit(10000)) { $this.Process.Kill() } }
    $this.Process.Dispose()
}
$server
