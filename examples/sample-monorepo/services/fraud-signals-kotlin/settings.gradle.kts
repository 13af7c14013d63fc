rootProject.name = "fraud-signals"
