<#
.SYNOPSIS
Starts tests/tools/BedrockCost.FakeCostExplorer (a local Cost Explorer endpoint speaking JSON 1.1 and checking SigV4)
through Start-FakeAws.ps1, and returns an object with Url, AccessKey, SecretKey, Process and a Stop() method.

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

& (Join-Path $PSScriptRoot 'Start-FakeAws.ps1') -Project BedrockCost.FakeCostExplorer -BuildPath $BuildPath -ArgumentList '--page-size', "$PageSize", '--throttle-first', "$ThrottleFirst" |
    # The fake's default key pair (FakeCostExplorer.DefaultAccessKey / DefaultSecretKey).
    Add-Member -NotePropertyMembers @{ AccessKey = 'AKIAFAKECE0000000001'; SecretKey = 'fake/ce/secret+key0000000000000000000000' } -PassThru
