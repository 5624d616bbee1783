<#
.SYNOPSIS
Proves the tests bite: applies each mutation (a deliberate bug in src/, a patch in this folder) one at a time, builds,
runs the xunit tests and the relevant Pester files, records exactly which tests fail, and reverts the patch.

.DESCRIPTION
Not part of the test command (build.ps1 -Task Test never runs it): run it by hand, from a worktree whose src/ has no
uncommitted change, after build.ps1 -Task Test has installed the test prerequisites:

    dotnet pwsh -NoProfile -File tests/tools/Mutations/Invoke-Mutations.ps1 [-Name 01*,05*] [-SkipBaseline]

A baseline run (no mutation) comes first: every test it runs must pass, or the results mean nothing. Results go to
output/mutations/results.md (and .json); the exit code is the number of mutations that no test caught.
A patch that no longer applies (the code moved) is reported as such: write it again against the new code.

.PARAMETER Name
Wildcards on the mutation names of mutations.psd1 (default: all).

.PARAMETER SkipBaseline
Skip the run without mutation.
#>
[CmdletBinding()]
param(
    [string[]]$Name = '*',
    [switch]$SkipBaseline
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Under pwsh -File, -Name 04*,05* arrives as one string: split it as -Command would.
$Name = @($Name | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

$here = $PSScriptRoot
$repo = (Resolve-Path (Join-Path $here '../../..')).Path
$out = Join-Path $repo 'output/mutations'
$null = New-Item -ItemType Directory -Force -Path $out
$config = Import-PowerShellDataFile -LiteralPath (Join-Path $here 'mutations.psd1')
$pesterModule = Join-Path $repo 'output/tools/Pester/Pester.psd1'
if (-not (Test-Path -LiteralPath $pesterModule)) { throw "Pester is not installed under output/tools: run build.ps1 -Task Test once first." }
if (git -C $repo status --porcelain -- src) { throw 'src/ has uncommitted changes: commit or stash them first (the mutations are patches of src/).' }

function Invoke-Logged([string]$Log, [scriptblock]$Command) {
    & $Command *> $Log
    $LASTEXITCODE
}

function Invoke-Suites([string]$Label, [string[]]$PesterFiles) {
    $result = [ordered]@{ Build = $true; Xunit = @(); Pester = @() }
    if ((Invoke-Logged (Join-Path $out "$Label.build.log") { dotnet pwsh -NoProfile -File (Join-Path $repo 'build.ps1') -Task Build }) -ne 0) {
        $result.Build = $false
        return [pscustomobject]$result
    }
    $trx = Join-Path $out "$Label.trx"
    Remove-Item -LiteralPath $trx -ErrorAction Ignore
    $null = Invoke-Logged (Join-Path $out "$Label.xunit.log") {
        dotnet test (Join-Path $repo 'tests/BedrockCost.Core.Tests') --nologo --logger "trx;LogFileName=$trx" --results-directory $out
    }
    if (-not (Test-Path -LiteralPath $trx)) { $result.Build = $false; return [pscustomobject]$result }
    $result.Xunit = @(([xml](Get-Content -Raw -LiteralPath $trx)).TestRun.Results.UnitTestResult |
        Where-Object outcome -EQ 'Failed' | ForEach-Object testName | Sort-Object)

    $failed = Join-Path $out "$Label.pester.json"
    $paths = @($PesterFiles | ForEach-Object { "'$(Join-Path $repo "tests/$_.Tests.ps1")'" }) -join ', '
    $script = @"
Import-Module '$pesterModule'
`$c = New-PesterConfiguration
`$c.Run.Path = @($paths)
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Normal'
`$r = Invoke-Pester -Configuration `$c
`$names = @(@(`$r.Failed | ForEach-Object ExpandedPath) + @(`$r.FailedBlocks | ForEach-Object { "block: `$(`$_.ExpandedPath)" }) +
  @(`$r.FailedContainers | ForEach-Object { "file: `$(`$_.Item)" }))
ConvertTo-Json -InputObject `$names | Set-Content -LiteralPath '$failed'
"@
    Remove-Item -LiteralPath $failed -ErrorAction Ignore
    $null = Invoke-Logged (Join-Path $out "$Label.pester.log") { dotnet pwsh -NoProfile -Command $script }
    $result.Pester = @(if (Test-Path -LiteralPath $failed) { Get-Content -Raw -LiteralPath $failed | ConvertFrom-Json | ForEach-Object { $_ } } else { '(Pester did not finish)' })
    [pscustomobject]$result
}

$results = [System.Collections.Generic.List[object]]::new()
if (-not $SkipBaseline) {
    Write-Host '== baseline (no mutation)'
    $base = Invoke-Suites 'baseline' $config.DefaultPester
    if (-not $base.Build -or @($base.Xunit).Count -or @($base.Pester).Count) {
        throw "The baseline does not pass (build $($base.Build); xunit: $($base.Xunit -join ', '); Pester: $($base.Pester -join ', ')): fix that first."
    }
}

foreach ($m in $config.Mutations | Where-Object { $n = $_.Name; @($Name | Where-Object { $n -like $_ }).Count }) {
    $patch = Join-Path $here "$($m.Name).patch"
    $pesterFiles = if ($m.ContainsKey('Pester')) { @($m.Pester) } else { $config.DefaultPester }
    Write-Host "== $($m.Name): $($m.Description)"
    git -C $repo apply --check $patch 2>$null
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "$($m.Name) no longer applies: write the patch again against the current code."
        $results.Add([pscustomobject]@{ Name = $m.Name; Description = $m.Description; Status = 'patch does not apply'; Xunit = @(); Pester = @() })
        continue
    }
    git -C $repo apply $patch
    try { $r = Invoke-Suites $m.Name $pesterFiles }
    finally { git -C $repo apply -R $patch }
    $xunit = @($r.Xunit); $pester = @($r.Pester)
    $status = if (-not $r.Build) { 'does not build' } elseif ($xunit.Count + $pester.Count -gt 0) { 'caught' } else { 'SURVIVED' }
    Write-Host "   ${status}: $($xunit.Count) xunit, $($pester.Count) Pester failing"
    $results.Add([pscustomobject]@{ Name = $m.Name; Description = $m.Description; Status = $status; Xunit = $xunit; Pester = $pester })
}

$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine('# Mutation results').AppendLine()
$null = $md.AppendLine("Run $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC on $(git -C $repo rev-parse --short HEAD); xunit: all tests; Pester: the files named per mutation in mutations.psd1.").AppendLine()
$null = $md.AppendLine('| mutation | status | xunit failing | Pester failing |').AppendLine('|---|---|---:|---:|')
foreach ($r in $results) { $null = $md.AppendLine("| $($r.Name): $($r.Description) | $($r.Status) | $($r.Xunit.Count) | $($r.Pester.Count) |") }
foreach ($r in $results) {
    $null = $md.AppendLine().AppendLine("## $($r.Name)").AppendLine().AppendLine("$($r.Description): **$($r.Status)**").AppendLine()
    foreach ($t in $r.Xunit) { $null = $md.AppendLine("- xunit: ``$t``") }
    foreach ($t in $r.Pester) { $null = $md.AppendLine("- Pester: ``$t``") }
}
Set-Content -LiteralPath (Join-Path $out 'results.md') -Value $md.ToString()
$results | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath (Join-Path $out 'results.json')
Write-Host $md.ToString()
Write-Host "Results: $(Join-Path $out 'results.md')"
# Restore the unmutated build.
$null = Invoke-Logged (Join-Path $out 'restore.build.log') { dotnet pwsh -NoProfile -File (Join-Path $repo 'build.ps1') -Task Build }
exit @($results | Where-Object Status -NE 'caught').Count
