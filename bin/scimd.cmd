@echo off
rem Runs scimd on Windows, from a distribution (lib\scimd.jar beside bin\) or from a checkout
rem (scimd-server\target\scimd.jar, built with mvnw.cmd when missing).
rem Java: the distribution's runtime\ if it has one, else JAVA_HOME, else the java on PATH (21+).
rem JVM options: SCIMD_JAVA_OPTS (e.g. set SCIMD_JAVA_OPTS=-Xmx1g).
setlocal
set "HOME_DIR=%~dp0.."
set "JAR=%HOME_DIR%\lib\scimd.jar"
if not exist "%JAR%" (
  set "JAR=%HOME_DIR%\scimd-server\target\scimd.jar"
)
if not exist "%JAR%" (
  echo building scimd ^(the first time takes about a minute^) ... 1>&2
  pushd "%HOME_DIR%"
  call mvnw.cmd -q -B -DskipTests package 1>&2
  if errorlevel 1 ( popd & exit /b 1 )
  popd
)
set "JAVA=java"
if defined JAVA_HOME set "JAVA=%JAVA_HOME%\bin\java.exe"
if exist "%HOME_DIR%\runtime\bin\java.exe" set "JAVA=%HOME_DIR%\runtime\bin\java.exe"
"%JAVA%" -XX:+UseSerialGC -Xms64m -Xmx256m %SCIMD_JAVA_OPTS% -jar "%JAR%" %*
exit /b %ERRORLEVEL%
