# Dot-sourced by every *.Tests.ps1: imports the built module (BEDROCKCOST_MODULE from build.ps1, else
# output/BedrockCost) and sets paths the tests share.
$script:RepoRoot = if ($env:BEDROCKCOST_REPO) { $env:BEDROCKCOST_REPO } else { Split-Path -Parent $PSScriptRoot }
$script:ModulePath = if ($env:BEDROCKCOST_MODULE) { $env:BEDROCKCOST_MODULE } else { Join-Path $RepoRoot 'output/BedrockCost/BedrockCost.psd1' }
$script:ToolsPath = Join-Path $RepoRoot 'output/tools'
$script:SamplePath = Join-Path $RepoRoot 'samples/bedrock-cur'

if (-not (Test-Path -LiteralPath $ModulePath)) { throw "Built module not found at '$ModulePath': run ./build.ps1 first." }
if (-not (Get-Module -Name BedrockCost)) { Import-Module -Name $ModulePath -ErrorAction Stop }

# The pwsh running the tests, as a command line for child processes (under `dotnet pwsh` it is dotnet + pwsh.dll).
$script:PwshCommand = if ([System.IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'pwsh') {
    @([Environment]::ProcessPath)
}
else {
    @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
}

function Invoke-ChildPwsh {
    # Runs a script block in a fresh pwsh (via a temporary file, arguments passed positionally) and returns
    # its output converted from the JSON the script block must emit.
    param([scriptblock]$ScriptBlock, [string[]]$ArgumentList = @())
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-$([guid]::NewGuid()).ps1"
    Set-Content -LiteralPath $file -Value $ScriptBlock.ToString()
    try {
        $exe = $script:PwshCommand[0]
        $prefix = @($script:PwshCommand | Select-Object -Skip 1)
        $output = & $exe @prefix -NoProfile -NonInteractive -File $file @ArgumentList 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Child pwsh failed ($LASTEXITCODE):`n$($output -join "`n")" }
        ($output | Where-Object { $_ -is [string] }) -join "`n" | ConvertFrom-Json
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}

function Start-FakeAws {
    # Starts tests/tools/BedrockCost.FakeAws (built once per session into output/fake-aws) for a service (athena or
    # dataexports) with its arguments; returns Url, the key pair it accepts, Process and Stop(). Stop it with Stop-FakeAws.
    param([string]$Service, [string[]]$ArgumentList = @())
    & (Join-Path $RepoRoot 'tests/tools/Start-FakeAws.ps1') -Project BedrockCost.FakeAws -BuildPath (Initialize-FakeAws) -ArgumentList (@($Service) + $ArgumentList) |
        Add-Member -NotePropertyMembers @{ AccessKey = 'AKIAFAKEAWS000000001'; SecretKey = 'fake/aws/secret+key00000000000000000000' } -PassThru
}

function Stop-FakeAws($Fake) { if ($Fake) { $Fake.Stop() } }

function Initialize-FakeAws {
    # The folder of tests/tools/BedrockCost.FakeAws, built fresh once per session.
    $out = Join-Path $RepoRoot 'output/fake-aws'
    if (-not $script:FakeAwsBuilt) {
        Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore
        $build = & dotnet build (Join-Path $RepoRoot 'tests/tools/BedrockCost.FakeAws') -c Release -o $out --nologo -v q 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Building BedrockCost.FakeAws failed: $($build -join "`n")" }
        $script:FakeAwsBuilt = $true
    }
    $out
}

function Invoke-DuckDb([string[]]$Statement) {
    # Runs SQL statements in DuckDB (through the fake endpoints' program, which has it): data the module did not write.
    $output = & dotnet (Join-Path (Initialize-FakeAws) 'BedrockCost.FakeAws.dll') duckdb @Statement 2>&1
    if ($LASTEXITCODE -ne 0) { throw "DuckDB failed: $($output -join "`n")" }
}

# Invoke-RestMethod writes a JSON array as one object: unroll it.
function Get-FakeLog($Fake, [string]$What = 'requests') { @(Invoke-RestMethod "$($Fake.Url)/__$What" | ForEach-Object { $_ }) }
