; Inno Setup script of the terminal (Windows). Build the bundle on Windows first:
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -r requirements.lock
;   .venv\Scripts\pip install --no-deps -e .
;   .venv\Scripts\pyinstaller --noconfirm --distpath build\dist --workpath build\work installers\pos-terminal.spec
; then compile this script (Inno Setup 6):
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installers\windows\pos-terminal.iss
; The result is build\installer\pos-terminal-setup-<version>.exe. See installers/README.md.

#define AppName "POS Member Terminal"
#define AppVersion "0.1.0"
#define AppExe "pos-terminal.exe"

[Setup]
AppId={{7C0E9F3A-4B7D-4E0B-9E55-2F1A6C3D8B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=pos-member-terminal contributors
DefaultDirName={autopf}\POS Member Terminal
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\build\installer
OutputBaseFilename=pos-terminal-setup-{#AppVersion}
SetupIconFile=..\assets\pos-terminal.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
LicenseFile=
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\..\build\dist\pos-terminal\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\terminal.example.toml"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; Tasks: desktopicon

[Run]
; Creates (or migrates, after a backup) the replica of the user who runs the installer.
Filename: "{app}\{#AppExe}"; Parameters: "init"; Flags: runhidden postinstall skipifsilent; Description: "Prepare the local database"

; The replica (%USERPROFILE%\.local\share\pos-terminal) and the settings file
; (%APPDATA%\pos-terminal\terminal.toml) are left in place on uninstall on purpose:
; they may hold events not yet delivered to head office.
