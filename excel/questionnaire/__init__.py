"""The AHP questionnaire (层次分析法权重调查表): writer and reader."""
