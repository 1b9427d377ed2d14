// integration tests against gmux-emulator
