print("not an app any framework knows")
