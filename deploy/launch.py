"""Flex Template entry point: the template launcher runs this file with the job's parameters
(`--feeds=gs://… --output=gs://… --runner=DataflowRunner --project=… …`); wirefeed's CLI does the rest."""
from pipeline.main import main

if __name__ == "__main__":
    main()
