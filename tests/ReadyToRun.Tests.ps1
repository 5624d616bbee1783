# The build replaces the IL of the module's assemblies (and of Parquet.Net and Snappier) with ReadyToRun images for
# linux-x64 on .NET 10, PowerShell 7.6's runtime (tools/ReadyToRun/ReadyToRun.csproj lists them). These tests read
# the images' headers, check that each keeps the IL every other runtime runs, that nothing in the module's code asks
# to be left to the JIT, and that a query in a fresh pwsh runs the precompiled code. No timing: the benchmark
# measures what it saves.

BeforeDiscovery {
    $onLinuxX64 = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier -eq 'linux-x64'
    $project = [xml](Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../tools/ReadyToRun/ReadyToRun.csproj'))
    $compiled = @($project.Project.ItemGroup.ReadyToRunAssembly.Include -split ';' | Where-Object { $_ } | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $bin = Join-Path (Split-Path -Parent $ModulePath) 'bin'

    function Get-ReadyToRunImage([string]$Path, [switch]$CountIL) {
        # The PE's managed native header points at the READYTORUN_HEADER: signature 'RTR', major and minor format
        # version, flags (readytorun.h). Also the machine, and whether the IL and metadata are still there.
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $headers = $pe.PEHeaders
            $info = [ordered]@{ Signature = 0; MajorVersion = 0; Flags = 0; Machine = [int]$headers.CoffHeader.Machine; HasMetadata = $pe.HasMetadata; MethodBodies = 0; MethodsWithRva = 0 }
            $native = $headers.CorHeader.ManagedNativeHeaderDirectory
            $offset = 0
            if ($native.Size -gt 0 -and $headers.TryGetDirectoryOffset($native, [ref]$offset)) {
                $reader = [System.IO.BinaryReader]::new($stream)
                $stream.Position = $offset
                $info.Signature = $reader.ReadUInt32()
                $info.MajorVersion = $reader.ReadUInt16()
                $null = $reader.ReadUInt16()
                $info.Flags = $reader.ReadUInt32()
            }
            if ($CountIL -and $pe.HasMetadata) {
                $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $metadata.MethodDefinitions) {
                    $rva = $metadata.GetMethodDefinition($handle).RelativeVirtualAddress
                    if ($rva -eq 0) { continue }
                    $info.MethodsWithRva++
                    if ([System.Reflection.Metadata.PEReaderExtensions]::GetMethodBody($pe, $rva).Size -gt 0) { $info.MethodBodies++ }
                }
            }
            [pscustomobject]$info
        }
        finally { $stream.Dispose() }
    }

    # The format version this runtime reads: .NET 10 accepts only its own major version (16), so compare with the
    # version of the runtime's own precompiled CoreLib.
    $runtimeFormat = (Get-ReadyToRunImage ([object].Assembly.Location)).MajorVersion
    $rtrSignature = 0x00525452
    $platformNeutralSource = 0x1  # READYTORUN_FLAG_PLATFORM_NEUTRAL_SOURCE: compiled from IL that runs anywhere
    $linuxX64Machine = 0x8664 -bxor 0x7B79  # IMAGE_FILE_MACHINE_NATIVE_NI on linux-x64 (pedecoder.h)
}

Describe 'ReadyToRun images in the built module' {
    It '<Name>.dll carries ReadyToRun code for linux-x64 in the format this runtime reads' -TestCases $compiled -Skip:(-not $onLinuxX64) {
        param($Name)
        $image = Get-ReadyToRunImage (Join-Path $bin "$Name.dll")
        $image.Signature | Should -Be $rtrSignature -Because "$Name.dll must be a ReadyToRun image, not IL only"
        $image.Machine | Should -Be $linuxX64Machine
        $runtimeFormat | Should -BeGreaterThan 0
        $image.MajorVersion | Should -Be $runtimeFormat -Because 'code in another format version is ignored by this runtime'
    }

    It '<Name>.dll keeps its IL and metadata, marked platform-neutral, for every other runtime' -TestCases $compiled {
        param($Name)
        $image = Get-ReadyToRunImage (Join-Path $bin "$Name.dll") -CountIL
        $image.HasMetadata | Should -BeTrue
        $image.MethodsWithRva | Should -BeGreaterThan 0
        $image.MethodBodies | Should -Be $image.MethodsWithRva -Because 'every method keeps its IL body'
        ($image.Flags -band $platformNeutralSource) | Should -Be $platformNeutralSource -Because 'another OS or architecture then loads it as IL'
    }

    It 'no method of the module asks for AggressiveOptimization, which crossgen2 leaves to the JIT' {
        $asked = foreach ($file in Get-ChildItem -LiteralPath $bin -Filter 'BedrockCost*.dll') {
            $stream = [System.IO.File]::OpenRead($file.FullName)
            try {
                $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
                foreach ($handle in $metadata.MethodDefinitions) {
                    $method = $metadata.GetMethodDefinition($handle)
                    if ($method.ImplAttributes.HasFlag([System.Reflection.MethodImplAttributes]::AggressiveOptimization)) {
                        '{0}: {1}.{2}' -f $file.Name, $metadata.GetString($metadata.GetTypeDefinition($method.GetDeclaringType()).Name), $metadata.GetString($method.Name)
                    }
                }
            }
            finally { $stream.Dispose() }
        }
        @($asked) | Should -BeNullOrEmpty
    }
}

Describe 'ReadyToRun code at run time' -Skip:(-not $onLinuxX64) {
    BeforeAll {
        # The same query in two fresh pwsh processes, the runtime listing every method it JIT-compiles
        # (DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary): once as built, once with ReadyToRun code turned off.
        function Invoke-ListingJit([bool]$ReadyToRun) {
            $list = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-jit-$([guid]::NewGuid().ToString('N')).txt"
            $saved = @{}
            $environment = @{ DOTNET_JitStdOutFile = $list; DOTNET_JitDisasmSummary = '1'; DOTNET_ReadyToRun = if ($ReadyToRun) { '1' } else { '0' } }
            foreach ($key in $environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $environment[$key]) }
            try {
                $rows = Invoke-ChildPwsh -ArgumentList $ModulePath, $SamplePath -ScriptBlock {
                    param($ModulePath, $SamplePath)
                    $ErrorActionPreference = 'Stop'
                    Import-Module $ModulePath
                    $rows = @(Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model, TokenType)
                    ConvertTo-Json -Compress -InputObject @($rows | ForEach-Object { '{0}|{1}|{2}|{3}|{4}|{5}|{6}' -f $_.Principal, $_.Model, $_.TokenType, $_.UnblendedCost, $_.NetUnblendedCost, $_.InputTokens, $_.LineItemCount })
                }
                # First compilations only: hot precompiled methods are recompiled later at tier 1, as they should be.
                $methods = @(Get-Content -LiteralPath $list | Where-Object { $_ -match 'JIT compiled BedrockCost\.' -and $_ -notmatch '\[(Instrumented )?Tier1' })
                [pscustomobject]@{ Rows = @($rows); Ours = $methods }
            }
            finally {
                foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
                Remove-Item -LiteralPath $list -ErrorAction Ignore
            }
        }
        $asBuilt = Invoke-ListingJit $true
        $jitOnly = Invoke-ListingJit $false
    }

    It 'a query JIT-compiles none of the module''s methods, which it does with ReadyToRun turned off' {
        # The control run shows the listing works and the query reaches hundreds of the module's methods.
        $jitOnly.Ours.Count | Should -BeGreaterThan 200
        $asBuilt.Ours | Should -BeNullOrEmpty -Because 'every method of BedrockCost*.dll the query runs has precompiled code'
    }

    It 'the precompiled code returns the rows the JIT-compiled code returns' {
        $asBuilt.Rows.Count | Should -BeGreaterThan 0
        $asBuilt.Rows | Should -Be $jitOnly.Rows
    }
}
