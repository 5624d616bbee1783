<#
.SYNOPSIS
Builds, packages, tests, demonstrates and benchmarks the BedrockCost module.

.EXAMPLE
dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Package', 'Test', 'Demo', 'Bench', 'Clean', 'Help')]
    [string[]]$Task = 'Build',

    [string]$Configuration = 'Release',

    # Bench: month sizes to generate and time (default 2M and 10M rows).
    [long[]]$Rows = @(2000000, 10000000)
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true

# While the cmdlets are being written, names in BedrockCost.psd1 that the assembly lacks are warnings and are
# left out of the built manifest. Set to $false once every listed cmdlet exists, so a missing one fails.
$AllowPendingCmdlets = $false

$RepoRoot = $PSScriptRoot
$OutputRoot = Join-Path $RepoRoot 'output'
$ModuleOut = Join-Path $OutputRoot 'BedrockCost'
$BinOut = Join-Path $ModuleOut 'bin'
$ManifestOut = Join-Path $ModuleOut 'BedrockCost.psd1'
$TestResults = Join-Path $OutputRoot 'TestResults'
$PackageOut = Join-Path $OutputRoot 'package'
$script:Built = $false

# The pwsh running this script, as a command line for child processes (under `dotnet pwsh` it is dotnet + pwsh.dll).
$Pwsh = if ([System.IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'pwsh') {
    @([Environment]::ProcessPath)
}
else {
    @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
}

function Invoke-Pwsh {
    # Runs a script in a fresh pwsh: importing the module in this session would pin its assemblies.
    param([string]$Command, [hashtable]$Environment = @{})
    $PSNativeCommandUseErrorActionPreference = $false
    $saved = @{}
    foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
    try {
        & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Command | Out-Host
        $LASTEXITCODE
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
    }
}

function Write-Step([string]$Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Invoke-Clean {
    Write-Step 'Clean'
    if (Test-Path -LiteralPath $OutputRoot) { Remove-Item -LiteralPath $OutputRoot -Recurse -Force }
}

function Invoke-Build {
    Write-Step "Build ($Configuration)"
    if (Test-Path -LiteralPath $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }

    dotnet publish (Join-Path $RepoRoot 'src/BedrockCost') -c $Configuration -o $BinOut --nologo -v:minimal
    dotnet publish (Join-Path $RepoRoot 'src/BedrockCost.Loader') -c $Configuration -o $BinOut --nologo -v:minimal
    # PowerShell supplies these; a copy in bin would be a second, mismatched System.Management.Automation.
    Remove-Item -Path (Join-Path $BinOut 'System.Management.Automation.dll'), (Join-Path $BinOut '*.deps.json') -ErrorAction Ignore
    Invoke-ReadyToRun

    Copy-Item -LiteralPath (Join-Path $RepoRoot 'src/BedrockCost/BedrockCost.psm1') -Destination $ModuleOut
    $formatSource = Join-Path $RepoRoot 'src/BedrockCost/BedrockCost.Format.ps1xml'
    $formatOut = Join-Path $ModuleOut 'BedrockCost.Format.ps1xml'
    if (Test-Path -LiteralPath $formatSource) {
        Copy-Item -LiteralPath $formatSource -Destination $formatOut
    }
    else {
        Write-Warning "No src/BedrockCost/BedrockCost.Format.ps1xml yet; writing an empty format file."
        Set-Content -LiteralPath $formatOut -Value '<?xml version="1.0" encoding="utf-8"?><Configuration><ViewDefinitions /></Configuration>'
    }

    Write-Manifest
    Invoke-Help
    $script:Built = $true
    Write-Host "Module: $ModuleOut"
}

function Invoke-ReadyToRun {
    # Replaces the IL of the module's assemblies and of those a local query runs (the list is in
    # tools/ReadyToRun/ReadyToRun.csproj) with ReadyToRun images for linux-x64 on .NET 10 (PowerShell 7.6), so a fresh
    # pwsh runs precompiled code instead of JIT-compiling it. One set, in place, no loader logic: each image keeps its
    # IL, flagged platform-neutral, and a runtime that cannot use the code (Windows, macOS, Arm, .NET 8 or 9, whose
    # ReadyToRun format versions differ) JIT-compiles that IL as it does today. A set per OS and runtime was left out:
    # it would multiply the package for code no test here can run.
    $r2rOut = Join-Path $OutputRoot 'r2r'
    if (Test-Path -LiteralPath $r2rOut) { Remove-Item -LiteralPath $r2rOut -Recurse -Force }
    dotnet publish (Join-Path $RepoRoot 'tools/ReadyToRun') -c $Configuration -o $r2rOut --nologo -v:minimal `
        "-p:ModuleBin=$BinOut$([System.IO.Path]::DirectorySeparatorChar)" "-p:PowerShellReference=$(Join-Path $PSHOME 'System.Management.Automation.dll')"
    # Its output holds every bin assembly (the compiled ones as images) and its own by-product assembly, left out.
    Get-ChildItem -LiteralPath $r2rOut -Filter *.dll | Where-Object { Test-Path -LiteralPath (Join-Path $BinOut $_.Name) } |
        Copy-Item -Destination $BinOut -Force
    Remove-Item -LiteralPath $r2rOut -Recurse -Force
}

function Invoke-Package {
    # Builds (unless this run already did), then packs output/BedrockCost into output/package, a local repository.
    if (-not $script:Built) { Invoke-Build }
    Write-Step 'Package'
    if (Get-ChangelogSection 'Unreleased') {
        Write-Warning "CHANGELOG.md has Unreleased entries, which this package's release notes leave out: for a release, move them under a new version and set ModuleVersion in BedrockCost.psd1."
    }
    $package = & (Join-Path $RepoRoot 'tools/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath $PackageOut
    $package.Assemblies | Sort-Object Name | Format-Table Name, Version, TargetFramework, Package -AutoSize | Out-String -Width 200 | Out-Host
    $package.Files | Format-Table Path, Size -AutoSize | Out-String -Width 200 | Out-Host
    $unpacked = ($package.Files | Measure-Object Size -Sum).Sum
    Write-Host ('Package: {0} ({1:N0} bytes = {2:N1} MiB; {3} files, {4:N1} MiB unpacked)' -f $package.Path, $package.Size, ($package.Size / 1MB), $package.Files.Count, ($unpacked / 1MB))
    Write-Host "Install: Register-PSResourceRepository -Name BedrockCostLocal -Uri '$PackageOut' -Trusted; Install-PSResource BedrockCost -Repository BedrockCostLocal"
}

function Write-Manifest {
    # BedrockCost.psd1 is the source of truth; the built copy exports exactly the listed cmdlets that exist.
    $source = Join-Path $RepoRoot 'BedrockCost.psd1'
    $listed = @((Import-PowerShellDataFile -LiteralPath $source).CmdletsToExport)
    $built = @(Get-BuiltCmdletName)

    $unlisted = @($built | Where-Object { $_ -notin $listed })
    if ($unlisted) { throw "Cmdlets in BedrockCost.dll but not in BedrockCost.psd1 CmdletsToExport: $($unlisted -join ', ')" }
    $missing = @($listed | Where-Object { $_ -notin $built })
    if ($missing -and -not $AllowPendingCmdlets) { throw "Cmdlets listed in BedrockCost.psd1 but missing from BedrockCost.dll: $($missing -join ', ')" }
    if ($missing) { Write-Warning "Not built yet, left out of the built manifest: $($missing -join ', ')" }

    $exported = @($listed | Where-Object { $_ -in $built })
    $list = if ($exported) { "@(`n        " + (($exported | ForEach-Object { "'$_'" }) -join "`n        ") + "`n    )" } else { '@()' }
    $text = [System.IO.File]::ReadAllText($source)
    $pattern = '(?s)CmdletsToExport\s*=\s*@\(.*?\)'
    if ($text -notmatch $pattern) { throw "BedrockCost.psd1 has no 'CmdletsToExport = @(...)' list." }
    $text = [regex]::Replace($text, $pattern, { param($m) "CmdletsToExport      = $list" })

    $notesPattern = "ReleaseNotes(\s*)=\s*''"
    if ($text -notmatch $notesPattern) { throw "BedrockCost.psd1 has no ReleaseNotes = '' for the notes from CHANGELOG.md." }
    $version = (Import-PowerShellDataFile -LiteralPath $source).ModuleVersion
    $notes = Get-ChangelogSection $version
    if (-not $notes) { throw "CHANGELOG.md has no '## [$version]' section for the manifest's ModuleVersion $version." }
    $notes = $notes -replace "'", "''"
    $text = [regex]::Replace($text, $notesPattern, { param($m) "ReleaseNotes$($m.Groups[1].Value)= '$notes'" })
    [System.IO.File]::WriteAllText($ManifestOut, $text)
}

function Get-ChangelogSection([string]$Name) {
    # The body of CHANGELOG.md's '## [Name] ...' section (up to the next '## '), trimmed; $null when absent or empty.
    $changelog = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md')
    $section = [regex]::Matches($changelog, '(?ms)^## \[(?<name>[^\]]+)\][^\n]*\n(?<body>.*?)(?=^## |\z)') |
        Where-Object { $_.Groups['name'].Value -eq $Name } | Select-Object -First 1
    if ($section -and $section.Groups['body'].Value.Trim()) { $section.Groups['body'].Value.Trim() }
}

function Get-BuiltCmdletName {
    # Reflection in a child pwsh through the loader, so nothing is loaded into this session.
    $names = Join-Path $OutputRoot 'cmdlet-names.txt'
    $exit = Invoke-Pwsh @"
Add-Type -Path '$(Join-Path $BinOut 'BedrockCost.Loader.dll')'
[BedrockCost.Loader.LoadContext]::Initialize().GetTypes() |
    ForEach-Object { `$_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], `$false) } |
    ForEach-Object { '{0}-{1}' -f `$_.VerbName, `$_.NounName } | Set-Content '$names'
"@
    if ($exit -ne 0) { throw 'Could not list the cmdlets in BedrockCost.dll.' }
    Get-Content -LiteralPath $names | Where-Object { $_ }
}

function Invoke-Help {
    Write-Step 'Help'
    if (-not (Test-Path -LiteralPath $ManifestOut)) { throw "Build the module first: $ManifestOut is missing." }
    $docs = Join-Path $RepoRoot 'docs/en-US'
    # Get-Help finds <assembly>-Help.xml under the module base (output/BedrockCost/en-US) on every import,
    # including Import-Module -Force; bin/en-US alone works only on a first import (tested), but a copy
    # there also serves a direct Import-Module of bin/BedrockCost.dll.
    $targets = @((Join-Path $ModuleOut 'en-US'), (Join-Path $BinOut 'en-US'))
    $script = Join-Path $RepoRoot 'tools/Build-Help.ps1'
    $quoted = ($targets | ForEach-Object { "'$_'" }) -join ','
    $exit = Invoke-Pwsh "& '$script' -ModulePath '$ManifestOut' -DocsPath '$docs' -OutputPath $quoted -StubPath '$(Join-Path $OutputRoot 'docs-stubs')'"
    if ($exit -ne 0) { throw "Help generation failed (see above)." }
    $null = New-Item -ItemType Directory -Force -Path $targets[0]
    Copy-Item -LiteralPath (Join-Path $docs 'about_BedrockCost.help.txt') -Destination $targets[0]
}

function Invoke-Test {
    Invoke-Build
    $null = New-Item -ItemType Directory -Force -Path $TestResults
    # The install test (tests/Package.Tests.ps1) installs this package; a failure here is reported there again.
    try { Invoke-Package } catch { Write-Warning "Package: $_" }

    # Before xunit: the SQL grammar check (node-sql-parser) runs in xunit.
    Write-Step 'Test prerequisites'
    & (Join-Path $RepoRoot 'tests/tools/Install-TestPrerequisites.ps1') -OutputPath (Join-Path $OutputRoot 'tools')

    Write-Step 'xunit'
    $trx = 'xunit.trx'
    Remove-Item -LiteralPath (Join-Path $TestResults $trx) -ErrorAction Ignore
    # A failing test run must still reach Pester and the summary, so its exit code is read, not thrown.
    $PSNativeCommandUseErrorActionPreference = $false
    dotnet test (Join-Path $RepoRoot 'tests/BedrockCost.Core.Tests') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --results-directory $TestResults
    $xunitExit = $LASTEXITCODE
    $PSNativeCommandUseErrorActionPreference = $true
    $xunit = Get-TrxCount (Join-Path $TestResults $trx)

    Write-Step 'Sample export'
    try { $null = Initialize-Sample } catch { Write-Warning "Could not generate samples/bedrock-cur: $_" }

    Write-Step 'Pester'
    $pesterResult = Join-Path $TestResults 'pester.xml'
    $pesterCount = Join-Path $TestResults 'pester-count.json'
    $pesterScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $OutputRoot 'tools/Pester/Pester.psd1')' -Force
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $RepoRoot 'tests')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputFormat = 'NUnitXml'
`$config.TestResult.OutputPath = '$pesterResult'
`$result = Invoke-Pester -Configuration `$config
@{ Passed = `$result.PassedCount; Failed = `$result.FailedCount + `$result.FailedBlocksCount + `$result.FailedContainersCount; Skipped = `$result.SkippedCount } |
    ConvertTo-Json | Set-Content '$pesterCount'
exit ([int](`$result.Result -ne 'Passed'))
"@
    Remove-Item -LiteralPath $pesterCount -ErrorAction Ignore
    $pesterExit = Invoke-Pwsh $pesterScript @{ BEDROCKCOST_MODULE = $ManifestOut; BEDROCKCOST_REPO = $RepoRoot }
    $pester = if (Test-Path -LiteralPath $pesterCount) { Get-Content -Raw $pesterCount | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $failed++ }  # build or runner failure with no test result
    if ($pesterExit -ne 0 -and $pester.Failed -eq 0) { $failed++ }
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    Write-Host "skipped: xunit $($xunit.Skipped), Pester $($pester.Skipped)"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { throw 'Tests failed.' }
}

function Get-TrxCount([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } }
    $counters = ([xml](Get-Content -Raw -LiteralPath $Path)).TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int]$counters.passed
        Failed  = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        Skipped = [int]$counters.notExecuted
    }
}

function Invoke-Demo {
    Invoke-Build
    Write-Step 'Demo'
    $samples = Initialize-Sample
    $DemoOut = Join-Path $OutputRoot 'demo'
    $null = New-Item -ItemType Directory -Force -Path $DemoOut
    $demo = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ManifestOut'
if (-not (Get-Command Get-BedrockCostByPrincipal -ErrorAction Ignore)) { throw 'Get-BedrockCostByPrincipal is not built yet.' }
function Show([string]`$Title, [scriptblock]`$Query) {
    Write-Host "``n`$Title" -ForegroundColor Green
    Write-Host "PS> `$(`$Query.ToString().Trim())" -ForegroundColor DarkGray
    `$all = @(& `$Query 4>&1)
    `$all | Where-Object { `$_ -isnot [System.Management.Automation.VerboseRecord] } | Format-Table | Out-String -Width 150 | Out-Host
    `$all | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] -and `$_.Message -like 'Reconciliation*' } | ForEach-Object { Write-Host `$_.Message -ForegroundColor Cyan }
}
Show 'Bedrock cost by principal, latest billing period of the sample export' { Get-BedrockCostByPrincipal -Path '$samples' -Verbose }
Show 'Unit economics by model and token direction' { Get-BedrockCostByPrincipal -Path '$samples' -GroupBy Model, TokenType -Verbose }
Show 'Cost per team tag (iamPrincipal/team), net of discounts, May and June' { Get-BedrockCostByPrincipal -Path '$samples' -BillingPeriod 2026-05, 2026-06 -GroupBy iamPrincipal/team -CostBasis NetUnblended -Verbose }
Show 'The people behind the calls, across roles' { Get-BedrockCostByPrincipal -Path '$samples' -GroupBy Person -Verbose | Where-Object IsAttributed }
Show 'Days that departed from their own baseline' { Get-BedrockCostAnomaly -Path '$samples' }
Write-Host "``nChargeback statement per team, unallocated cost shared in proportion (CSV, JSON, self-contained HTML)" -ForegroundColor Green
Export-BedrockChargeback -Path '$samples' -CostCenterTag team -UnallocatedPolicy Proportional -Format Csv, Json, Html -Destination '$DemoOut' -Force -Verbose 4>&1 |
    ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { if (`$_.Message -like 'Reconciliation*') { Write-Host `$_.Message -ForegroundColor Cyan } } else { Write-Host "  `$(`$_.FullName)" } }
"@
    if ((Invoke-Pwsh $demo) -ne 0) { throw 'Demo failed.' }
}

function Initialize-Sample {
    # The embedded sample export; generated by tests/tools/BedrockCost.TestData when not in the tree.
    $samples = Join-Path $RepoRoot 'samples/bedrock-cur'
    if (-not (Test-Path -LiteralPath $samples)) {
        Write-Step 'Generating the sample export'
        dotnet run --project (Join-Path $RepoRoot 'tests/tools/BedrockCost.TestData') -c $Configuration -- sample --out (Join-Path $RepoRoot 'samples')
    }
    $samples
}

function Invoke-Bench {
    # Builds the module, then times the engine against DuckDB in one process and Get-BedrockCostByPrincipal (fresh pwsh
    # per run) against DuckDB in fresh processes, over the same generated months written by Parquet.Net and by DuckDB
    # (cached in output/bench-data); reads the smaller months from s3rver by ranges; times Import-Module. Writes
    # output/bench/results.md and docs/benchmark.md.
    $project = Join-Path $RepoRoot 'tests/Benchmark'
    Invoke-Build
    # s3rver, for the S3 figures.
    & (Join-Path $RepoRoot 'tests/tools/Install-TestPrerequisites.ps1') -OutputPath (Join-Path $OutputRoot 'tools')
    Write-Step "Bench ($($Rows -join ', ') rows)"
    dotnet build $project -c Release --nologo -v:minimal
    $dll = Join-Path $project 'bin/Release/net10.0/Benchmark.dll'
    # Only the default sizes refresh the committed docs/benchmark.md; other sizes write output/bench only.
    [string[]]$docs = @(if (($Rows -join ',') -ne '2000000,10000000') { '--no-docs' })
    dotnet $dll run --repo $RepoRoot --module $ManifestOut --pwsh ($Pwsh -join '|') --rows ($Rows -join ',') @docs
}

Push-Location $RepoRoot
try {
    foreach ($t in $Task) {
        switch ($t) {
            'Clean' { Invoke-Clean }
            'Build' { Invoke-Build }
            'Package' { Invoke-Package }
            'Help' { Invoke-Help }
            'Test' { Invoke-Test }
            'Demo' { Invoke-Demo }
            'Bench' { Invoke-Bench }
        }
    }
}
finally {
    Pop-Location
}
